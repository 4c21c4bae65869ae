curl 'https://api.notion.com/v1/blocks/79ddb5ed15c74a409cf6a018d23ceb19' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
